"""Where the shared corpus of real emails and webhook bodies lives."""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = Path(os.environ.get("PARLEY_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
EMAIL_DIR = CORPUS_DIR / "email"
WEBHOOK_DIR = CORPUS_DIR / "webhooks"
