"""The provider process: what one engine-started provider process holds for its threads, whichever
adapter serves it: per key pair one client and one shared listing (`org_view`,
`shared_listing`), built from the configured settings (`provider_process`)."""
