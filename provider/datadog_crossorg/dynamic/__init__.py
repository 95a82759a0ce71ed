"""The Python adapter: `OrgConnection` and `ConnectionAccess` as `pulumi.dynamic` resources
(`org_connection`, `connection_access`) over the rules, their shared base (`provider_base`) and
the two changes made to pulumi.dynamic's provider server (`server_patches`)."""
