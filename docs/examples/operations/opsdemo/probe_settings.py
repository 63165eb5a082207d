from opsdemo.settings import *  # noqa: F403

# Django's startproject middleware: CommonMiddleware checks every other request's Host.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --8<-- [start:probes]
import os  # noqa: E402

# The pod's IP need not be here: livez/ and readyz/ answer whatever the Host.
ALLOWED_HOSTS = ["shop.example.com"]
# Who gets readyz/'s details: loopback, and the cluster's pod network (the kubelet).
LIFESPAN_PROBE_DETAILS = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]
# And anyone who sends `Authorization: Bearer <token>`; None turns it off.
LIFESPAN_PROBE_TOKEN = os.environ.get("PROBE_TOKEN")
# --8<-- [end:probes]
