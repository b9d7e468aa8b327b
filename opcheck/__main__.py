"""``python -m opcheck`` — same as the ``opcheck`` console script."""
from opcheck.cli import main

if __name__ == "__main__":
    main()
