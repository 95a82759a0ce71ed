"""The Pulumi-free core: input rules, config and credentials, shared listings, key-pair views."""
