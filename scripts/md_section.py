"""One generated section of a markdown file (BENCHMARKS.md), kept between two markers, so
that each benchmark script rewrites its own section and leaves the rest of the file as is."""


def write_section(md_path, begin, end, new, before=()):
    """Writes `new` (the section, from marker `begin` to marker `end`) into the file at
    `md_path`: in place of the old section, else before the first of the `before` markers
    the file has, else at its end."""
    try:
        with open(md_path) as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    b = text.find(begin)
    e = text.find(end, b) if b >= 0 else -1
    if b >= 0 and e >= 0:
        text = text[:b] + new + text[e + len(end):]
    else:
        at = next((i for i in (text.find(m) for m in before) if i >= 0), -1)
        if at >= 0:
            text = text[:at] + new + "\n\n" + text[at:]
        else:
            text = text.rstrip() + ("\n\n" if text.strip() else "") + new + "\n"
    with open(md_path, "w") as f:
        f.write(text)
