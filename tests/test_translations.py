"""Every interface text is in the catalogue and translated into Chinese, placeholders intact."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_chinese_catalogue_covers_every_text_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; main()", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as template:
        extracted = {message.id if isinstance(message.id, str) else message.id[0]
                     for message in read_po(template) if message.id}
    with open(ROOT / "tracker/translations/zh/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po)
    translated = {}
    for message in catalogue:
        if message.id and not message.fuzzy:
            key = message.id if isinstance(message.id, str) else message.id[0]
            translated[key] = message.string if isinstance(message.string, str) else message.string[0]
    missing = sorted(text for text in extracted if not translated.get(text))
    assert missing == [], "run `make extract-messages` and translate these"

    for text in extracted:
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(translated[text])), text
