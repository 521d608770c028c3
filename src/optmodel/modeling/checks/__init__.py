"""``validate()``: every rule a Formulation is held to, reported all at once (entry point: ``checks.validate``)."""
