"""Build the hostile inputs that once stalled the emulator (issue E, item 4), at any scale.

Nothing here is committed as a binary: tests and ``bench/stall_bench.py`` build each input in memory,
scaled down for tests and full size for the bench. Run the script to write them to a folder and try
them by hand (``helpers.pdf.read(path)``, or a request to the emulator)::

    .venv/bin/python tools/make_hostile_pdfs.py /tmp/hostile          # full size (about 20 MB in all)

- ``nested_forms``: one page whose form XObjects call the next level twice, ``depth`` levels deep
  (2**depth form invocations for a naive text extractor, from about 2 KB of file).
- ``wide_forms``: resources that list the same form ``width`` times per level (a naive image count
  visits width**depth dictionaries).
- ``many_pages``: ``pages`` tiny pages (a reader that parses every page before checking the count).
- ``flate_bomb``: pages whose content streams inflate about 1,000-fold into text operators.
- ``one_word_sentences`` / ``long_question``: a text document and a question that make a quadratic
  answer search take minutes.
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Sequence
from pathlib import Path

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _stream(content: bytes, extra: bytes = b"", *, compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(content), extra, content)


def _pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF whose object n+1 is ``objects[n]``; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _one_page(content: bytes, resources: bytes, more: Sequence[bytes] = ()) -> bytes:
    """Catalog (1), pages (2), one page (3), its content (4), the font (5), then ``more`` from object 6."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s >>"
                 % resources, _stream(content), _FONT, *more])


def nested_forms(depth: int = 40) -> bytes:
    """A page drawing form 0; form n draws a word and then form n+1 twice (objects 6 … 6+depth-1)."""
    forms = []
    for level in range(depth):
        calls = b" /X Do /X Do" if level < depth - 1 else b""
        resources = b"<< /Font << /F1 5 0 R >> /XObject << /X %d 0 R >> >>" % (7 + level)
        forms.append(_stream(b"BT /F1 9 Tf (w%d) Tj ET%s" % (level, calls),
                             b" /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources " + resources))
    return _one_page(b"/X Do", b"<< /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >>", forms)


def wide_forms(width: int = 200, depth: int = 5) -> bytes:
    """Resources naming the next form ``width`` times at each of ``depth`` levels (one object per level)."""
    forms = []
    for level in range(depth):
        names = b"".join(b"/X%d %d 0 R " % (n, 7 + level) for n in range(width)) if level < depth - 1 else b""
        forms.append(_stream(b"", b" /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << %s>> >>"
                             % names))
    page_names = b"".join(b"/X%d 6 0 R " % n for n in range(width))
    return _one_page(b"BT /F1 9 Tf (wide) Tj ET", b"<< /Font << /F1 5 0 R >> /XObject << %s>> >>" % page_names,
                     forms)


def many_pages(pages: int = 100_000) -> bytes:
    """``pages`` empty pages in one flat page tree (about 60 bytes each)."""
    kids = b" ".join(b"%d 0 R" % (3 + n) for n in range(pages))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
                 *([page] * pages)])


def flate_bomb(pages: int = 1, inflated: int = 75_000_000) -> bytes:
    """``pages`` pages, each with its own Flate content stream of text operators inflating to ``inflated`` bytes.

    One page is the ~75 KB bomb; 128 pages make a ~9.6 MB file of compressed streams (distinct objects, so
    a reader cannot decode one and reuse it).
    """
    unit = b"(AAAAAAAAAAAAAAAA) Tj "
    content = zlib.compress(b"BT /F1 9 Tf " + unit * (inflated // len(unit)) + b"ET", 9)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               _FONT]
    for n in range(pages):
        objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * n), stream]
    return _pdf(objects)


def one_word_sentences(count: int = 46_500) -> str:
    """A text document of ``count`` distinct one-word sentences (short words: it fits a 200K window)."""
    return " ".join(f"x{n}." for n in range(count))


def long_question(words: int = 46_500) -> str:
    """A question of ``words`` distinct words, each matching one sentence of :func:`one_word_sentences`."""
    return "Which of these " + " ".join(f"x{n}" for n in range(words)) + "?"


BUILDERS = {"nested_forms.pdf": nested_forms, "wide_forms.pdf": wide_forms, "many_pages.pdf": many_pages,
            "flate_bomb.pdf": flate_bomb, "flate_bomb_128.pdf": lambda: flate_bomb(pages=128)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        data = build()
        (folder / name).write_bytes(data)
        print(f"{folder / name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
