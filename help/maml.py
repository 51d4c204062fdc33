#!/usr/bin/env python3
"""Builds the module's MAML help (what Get-Help and the MCP bridge read) from help/*.md.

platyPS is not available on these machines, so this small generator plays its part. The .md
files are the source; the generated XML is committed and CI checks that it is current:
    python3 help/maml.py            # writes src/EbpfMcp.Module/en-US/EbpfMcp.dll-Help.xml
    python3 help/maml.py --check    # exit 1 when the committed XML is stale
"""
import re, sys, pathlib
from xml.sax.saxutils import escape

HERE = pathlib.Path(__file__).resolve().parent
TARGET = HERE.parent / "src/EbpfMcp.Module/en-US/EbpfMcp.dll-Help.xml"
# -WhatIf and -Confirm (SupportsShouldProcess): the engine adds them, help describes them as it does for its own cmdlets.
COMMON = {
    "WhatIf": ("SwitchParameter", {"required": "false", "position": "named", "pipeline": "False", "aliases": "wi", "default": "False"},
               "Shows what would happen if the cmdlet runs. The cmdlet is not run."),
    "Confirm": ("SwitchParameter", {"required": "false", "position": "named", "pipeline": "False", "aliases": "cf", "default": "False"},
                "Prompts you for confirmation before running the cmdlet."),
}


def sections(text):
    """'## NAME' -> body, and for PARAMETERS/EXAMPLES the '### ' subsections in order."""
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = []
        elif current:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def subsections(body):
    items, title, lines = [], None, []
    for line in body.splitlines():
        if line.startswith("### "):
            if title is not None:
                items.append((title, "\n".join(lines).strip()))
            title, lines = line[4:].strip(), []
        else:
            lines.append(line)
    if title is not None:
        items.append((title, "\n".join(lines).strip()))
    return items


def paras(text, indent):
    ps = [p.strip().replace("\n", " ") for p in re.split(r"\n\s*\n", text) if p.strip()]
    pad = " " * indent
    return "\n".join(f"{pad}<maml:para>{escape(p)}</maml:para>" for p in ps) or f"{pad}<maml:para></maml:para>"


def parse_parameters(body):
    params = {}
    for title, text in subsections(body):
        m = re.match(r"-(\w+)\s*<([^>]+)>", title)
        name, ptype = m.group(1), m.group(2)
        meta = {"required": "false", "position": "named", "pipeline": "False", "aliases": "none", "default": "None"}
        desc = []
        for line in text.splitlines():
            dm = re.match(r"^Default value: (.+?)\.?$", line.strip())
            if dm:
                meta["default"] = dm.group(1)
            elif re.match(r"^(Required\.|Position:|Accepts pipeline|Aliases:)", line.strip()):
                if "Required." in line:
                    meta["required"] = "true"
                pm = re.search(r"Position: (\d+)", line)
                if pm:
                    meta["position"] = pm.group(1)
                if "pipeline input by property name" in line:
                    meta["pipeline"] = "True (ByPropertyName)"
                elif "pipeline input" in line:
                    meta["pipeline"] = "True (ByValue)"
                am = re.search(r"Aliases: ([\w, ]+)", line)
                if am:
                    meta["aliases"] = am.group(1).strip()
            else:
                desc.append(line)
        params[name] = (ptype, meta, "\n".join(desc).strip())
    return params


def parameter_xml(name, ptype, meta, desc, indent, required=None):
    pad = " " * indent
    is_switch = ptype == "SwitchParameter"
    req = required if required is not None else meta["required"]
    value = "" if is_switch else f'\n{pad}  <command:parameterValue required="true" variableLength="false">{escape(ptype)}</command:parameterValue>'
    return (f'{pad}<command:parameter required="{req}" variableLength="true" globbing="{"true" if "wildcard" in desc.lower() else "false"}" '
            f'pipelineInput="{meta["pipeline"]}" position="{meta["position"]}" aliases="{escape(meta["aliases"])}">\n'
            f"{pad}  <maml:name>{name}</maml:name>\n"
            f"{pad}  <maml:description>\n{paras(desc, indent + 4)}\n{pad}  </maml:description>{value}\n"
            f"{pad}  <dev:type>\n{pad}    <maml:name>{escape(ptype)}</maml:name>\n{pad}    <maml:uri />\n{pad}  </dev:type>\n"
            f"{pad}  <dev:defaultValue>{escape(meta['default'])}</dev:defaultValue>\n"
            f"{pad}</command:parameter>")


def syntax_xml(name, syntax, params):
    items = []
    for line in syntax.splitlines():
        line = line.strip()
        if not line:
            continue
        # [[-P] <T>] optional positional, [-P] <T> required positional, [-P <T>] or [-S] optional, -P <T> required.
        tokens = re.findall(r"\[\[-(\w+)\][^\]]*\]|\[-(\w+)\](?=\s+<)|\[-(\w+)[^\]]*\]|-(\w+)", line[len(name):])
        body = []
        for t in tokens:
            pname = next(x for x in t if x)
            optional = bool(t[0] or t[2])
            ptype, meta, desc = params[pname] if pname in params else COMMON[pname]
            body.append(parameter_xml(pname, ptype, meta, desc, 8, "false" if optional else "true"))
        items.append("      <command:syntaxItem>\n        <maml:name>%s</maml:name>\n%s\n      </command:syntaxItem>" % (name, "\n".join(body)))
    return "\n".join(items)


def expand(text):
    """{{name}} stands for help/shared/name.md: text every tracer's help has (parameters, context)."""
    return re.sub(r"\{\{([\w-]+)\}\}", lambda m: (HERE / "shared" / f"{m.group(1)}.md").read_text().strip(), text)


def command_xml(path):
    text = expand(path.read_text())
    name = text.splitlines()[0].lstrip("# ").strip()
    verb, noun = name.split("-", 1)
    s = sections(text)
    params = parse_parameters(s.get("PARAMETERS", ""))
    examples = []
    for i, (title, body) in enumerate(subsections(s.get("EXAMPLES", "")), 1):
        code = re.search(r"```(?:powershell)?\n(.*?)```", body, re.S).group(1).strip()
        remarks = re.sub(r"```.*?```", "", body, flags=re.S).strip()
        examples.append(
            "      <command:example>\n"
            f"        <maml:title>-------------------------- {escape(title)} --------------------------</maml:title>\n"
            f"        <dev:code>{escape(code)}</dev:code>\n"
            f"        <dev:remarks>\n{paras(remarks, 10)}\n        </dev:remarks>\n"
            "      </command:example>")
    outputs = [o.strip() for o in s.get("OUTPUTS", "").splitlines() if o.strip() and o.strip() != "None"]
    returns = "\n".join(
        f"      <command:returnValue>\n        <dev:type>\n          <maml:name>{escape(o)}</maml:name>\n        </dev:type>\n"
        f"        <maml:description>\n          <maml:para></maml:para>\n        </maml:description>\n      </command:returnValue>" for o in outputs)
    common = {n: v for n, v in COMMON.items() if re.search(rf"\[-{n}\]", s["SYNTAX"])}
    plist = "\n".join(parameter_xml(n, *v, 6) for n, v in {**params, **common}.items())
    return f"""  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">
    <command:details>
      <command:name>{name}</command:name>
      <command:verb>{verb}</command:verb>
      <command:noun>{noun}</command:noun>
      <maml:description>
{paras(s["SYNOPSIS"], 8)}
      </maml:description>
    </command:details>
    <maml:description>
{paras(s["DESCRIPTION"], 6)}
    </maml:description>
    <command:syntax>
{syntax_xml(name, s["SYNTAX"], params)}
    </command:syntax>
    <command:parameters>
{plist}
    </command:parameters>
    <command:returnValues>
{returns}
    </command:returnValues>
    <command:examples>
{chr(10).join(examples)}
    </command:examples>
  </command:command>"""


def build():
    commands = [command_xml(p) for p in sorted(HERE.glob("*-*.md"))]
    return '<?xml version="1.0" encoding="utf-8"?>\n<!-- Generated by help/maml.py from help/*.md: edit those. -->\n<helpItems schema="maml" xmlns="http://msh">\n' + "\n".join(commands) + "\n</helpItems>\n"


if __name__ == "__main__":
    xml = build()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != xml:
            print(f"{TARGET} is stale: run python3 help/maml.py", file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(xml)
    print(f"wrote {TARGET}")
