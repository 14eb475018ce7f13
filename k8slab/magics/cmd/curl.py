"""``%k8s curl``: a thin parser over :func:`k8slab.curl`."""

from __future__ import annotations

from ..parser import CmdParser, parse_duration


def build_parser() -> CmdParser:
    p = CmdParser("curl", description="One HTTP(S) request to the lab, shown like curl -i (without Date). "
                                      "A host name goes to the lab's ingress controller (k8slab addons "
                                      "ingress), an IP to that address; nothing leaves the machine.",
                  epilog="Examples:\n  %k8s curl http://app1.example.com/\n"
                         "  %k8s curl https://https-example.foo.com/ --cacert tls.crt\n"
                         "  %k8s curl http://shop.example.com/api/echo?msg=hi --expect 200 --expect-body hi\n"
                         "  %k8s curl http://172.18.0.3:30080/ -H 'Accept: text/plain'")
    p.add_argument("url", metavar="URL")
    p.add_argument("-X", "--request", dest="method", help="the method (default GET, or POST with -d)")
    p.add_argument("-H", "--header", dest="headers", action="append", default=[], metavar="'NAME: VALUE'",
                   help="an extra header (repeatable)")
    p.add_argument("-d", "--data", help="the request body")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT:ADDRESS",
                   help="connect to ADDRESS for HOST:PORT, as curl does")
    p.add_argument("-k", "--insecure", action="store_true", help="do not verify the server's certificate")
    p.add_argument("--cacert", metavar="FILE", help="verify the server's certificate against FILE")
    p.add_argument("-m", "--max-time", default="10s", help="timeout (default 10s)")
    p.add_argument("--expect", type=int, metavar="STATUS", help="check: the status must be STATUS")
    p.add_argument("--expect-body", metavar="TEXT", help="check: the body must contain TEXT")
    p.add_argument("--expect-header", action="append", default=[], metavar="'NAME: PART'",
                   help="check: the header must be there (and contain PART)")
    p.add_argument("--wait", default="0s", help="with --expect*: keep asking until they hold, up to this "
                                                "long (e.g. 30s: a new Ingress takes the controller a moment)")
    p.add_argument("--hint", help="one more hint line shown when an --expect check fails (a lesson's task)")
    return p


def run(args, cell, shell):
    from ...api.read.curl import curl

    return curl(args.url, method=args.method, headers=args.headers, data=args.data, resolve=args.resolve,
                insecure=args.insecure, cacert=args.cacert, timeout=parse_duration(args.max_time),
                expect_status=args.expect, expect_body=args.expect_body, expect_header=args.expect_header, wait=parse_duration(args.wait), hint=args.hint)
