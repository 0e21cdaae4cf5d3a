"""Survey analysis in plain numpy: weighting by raking, estimators with
their calibrated standard errors. Imports nothing from Django."""
