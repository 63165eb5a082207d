from tests.contexts import recorder

payments_client = recorder("payments_client")
