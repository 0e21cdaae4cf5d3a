"""Personal data: the register of processing (RGPD article 30), built from
what each app declares in its `privacy.py`; whether links opening personal
data may be e-mailed (mail.py); the deployment checks that protect them
(checks.py)."""
