"""The datadog-crossorg policy pack (pulumi-policy): the cross-org dashboard and notebook rules at
preview.

    pulumi preview --policy-pack <site-packages or checkout>/datadog_crossorg/policy

`rules` holds the policies (`POLICIES`); `__main__` serves them as the pack named in
`PulumiPolicy.yaml`. Importing this package loads pulumi_policy, never pulumi_datadog.
"""
