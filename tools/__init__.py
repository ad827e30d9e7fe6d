"""Project tooling that is not the product: the Lambda package build and its check
(`lambda_package`, `check_package`) and the SAM-generated test events (`lambda_events`).
Run from the repository root: `python -m tools.<name> --help`."""
