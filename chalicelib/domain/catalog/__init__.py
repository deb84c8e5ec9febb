"""The service catalog, its support groups and agents: ``text`` (folding and finding terms),
``documents`` (validated services, groups, agents), ``matching`` (text to a service) and
``defaults`` (what ships)."""
