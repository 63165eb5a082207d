# mysite/state.py
from typing import Protocol

import httpx


class MyState(Protocol):
    http_client: httpx.AsyncClient
