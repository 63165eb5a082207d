# mysite/settings.py: add at the end
import os

# The pod's IP need not be here: livez/ and readyz/ answer whatever the Host.
ALLOWED_HOSTS = ["shop.example.com"]
# Who gets readyz/'s details: loopback, and the cluster's pod network (the kubelet).
LIFESPAN_PROBE_DETAILS = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]
# And anyone who sends `Authorization: Bearer <token>`; None turns it off.
LIFESPAN_PROBE_TOKEN = os.environ.get("PROBE_TOKEN")
