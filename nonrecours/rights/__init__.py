"""Rights simulator on OpenFisca-France: situations, benefits, screening."""
