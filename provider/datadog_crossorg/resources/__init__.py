"""Each resource declared once (`org_connection`, `connection_access`, `provider_config`) with the
machinery every adapter derives its schema from (`declaration`) and the type tokens (`tokens`)."""
