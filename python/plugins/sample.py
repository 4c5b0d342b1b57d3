"""sample.py: the smallest useful tcpflow python plugin; copy it to start your own.

Run it with:

    tcpflow -r capture.pcap -o out -e python \
        -S py_path=python/plugins -S py_module=sample -S py_function=scan

tcpflow imports this module once, when it starts, and then calls the function named by
py_function once for every flow (one direction of a TCP connection) that has a flow file,
when that flow closes.  The function gets one argument:

    data  -- a `bytes` object holding what the flow file holds: every byte, NULs included,
             holes in the capture as zero bytes, cut at -b and at -S py_max_bytes
             (16 MiB by default).  Flows that stored no bytes are not passed in.

What it returns goes into report.xml, in the flow's <fileobject>:

    a str   -> <tcpflow:result scanner='python' path=... module=... function=...>the str
               </tcpflow:result>
    None    -> nothing
    other   -> the same element holding str(value)

If it raises, the flow's element gets error='ExceptionType: message' instead, the error is
counted (python_error in the report's anomalies) and tcpflow goes on with the next flow.
Module-level state (globals) lives for the whole run, so a plugin may count across flows.
Anything the plugin prints goes to tcpflow's standard output.
"""

flows_seen = 0  # module state lasts for the whole run


def scan(data):
    """Describe one flow: its number in this run, its size, and its first line."""
    global flows_seen
    flows_seen += 1
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")[:60]
    # Show printable ASCII as it is and everything else as \xNN.
    shown = "".join(chr(b) if 0x20 <= b < 0x7F else "\\x%02x" % b for b in first_line)
    return "flow %d: %d bytes, %d lines, first line: %s" % (
        flows_seen,
        len(data),
        data.count(b"\n"),
        shown,
    )
