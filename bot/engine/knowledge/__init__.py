"""Knowledge: read the YAML pack safely, check it field by field, model it, validate it."""
