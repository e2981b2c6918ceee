"""`python -m api.token USERNAME`: print a test token (the contract's command; see api.sign_in.test_tokens)."""

import sys

from api.sign_in.test_tokens import access_token, main

__all__ = ["access_token", "main"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
