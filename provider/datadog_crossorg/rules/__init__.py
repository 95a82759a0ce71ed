"""The rules, free of Pulumi: what an org connection (`connections`) and its restriction policy
(`access`) may be and how each is created, read, updated and deleted, given a key pair's view.
`inputs` and `values` hold what every resource's rules share."""
