"""Account rules: signup, tokens (issue, rotate, revoke), passwords, and the account itself (/me)."""
