"""Command line: ``guidecheck extract PATH... [--format json|table]`` and
``guidecheck scan CONFIG [-o findings.json] [--select GC2,GC3] [--ignore GC205] [--jobs N]`` and
``guidecheck check DRAFT.docx [--handbook PATH ...] [--config CONFIG] [--item CODE]
[--format text|json] [--annotate OUT.docx] [--select ...] [--ignore ...]``.

Exit codes: 0 success, 1 findings at or above the fail level (later commands),
2 usage error or nothing could be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from guidecheck import __version__
from guidecheck.errors import GuidecheckError
from guidecheck.extract.files import ExtractResult, extract_paths
from guidecheck.model import FIELD_KEYS, Guide, to_data

if TYPE_CHECKING:
    from guidecheck.scan import ScanConfig

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guidecheck", description="办事指南一致性检查 (guidecheck)"
    )
    parser.add_argument("--version", action="version", version=f"guidecheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser("extract", help="读取手册、办事指南页面和 DOCX，打印抽取结果")
    ext.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="文件或文件夹")
    ext.add_argument("--format", choices=("json", "table"), default="table")
    ext.add_argument("--channel", help="渠道名（默认按所在文件夹推断：handbook/province/city/app/manual）")
    ext.add_argument("-o", "--output", type=Path, help="写入文件而不是标准输出")
    scan = sub.add_parser("scan", help="按配置检查手册与各渠道办事指南，写出问题清单 JSON")
    scan.add_argument("config", type=Path, metavar="CONFIG", help="扫描配置（YAML 或 TOML）")
    scan.add_argument("-o", "--output", type=Path, help="问题清单 JSON 的路径（默认 findings.json）",
                      default=Path("findings.json"))
    scan.add_argument("--select", default="", help="只启用这些规则（代码前缀，逗号分隔，如 GC2,GC3）")
    scan.add_argument("--ignore", default="", help="忽略这些规则（代码前缀，逗号分隔，如 GC205）")
    scan.add_argument("--fail-on", choices=("error", "warning", "info"),
                      help="出现此级别及以上的问题时退出码为 1（默认取配置，否则 error）")
    scan.add_argument("--jobs", type=int, default=None, help="抽取进程数（默认 CPU 核数）")
    scan.add_argument("-q", "--quiet", action="store_true", help="不打印汇总表")
    scan.add_argument("--at", metavar="DATETIME",
                      help="记录为该时间的扫描（补录、测试用；不带时区按北京时间，如 2026-11-24T09:30）")
    scan.add_argument("--store", type=Path, metavar="PATH",
                      help="保存扫描记录的数据库（默认取配置的 store，否则为配置旁的 guidecheck.db）")
    _web_parsers(sub, scan)
    rep = sub.add_parser("report", help="按周（上周三至本周二，北京时间）生成抽查通报、附件、网页和 JSON")
    rep.add_argument("--week", metavar="DATE",
                     help="报告包含该日期的一周（默认：最近一个已结束的周）")
    how = rep.add_mutually_exclusive_group()
    how.add_argument("--sample", type=int, metavar="N", help="每个单位抽查 N 份指南（按渠道分层）")
    how.add_argument("--rate", type=float, metavar="P", help="每个单位每个渠道抽查比例 P（0–1）")
    rep.add_argument("--seed", type=int, help="抽样随机种子（默认取该周起始日期，如 20261118）")
    rep.add_argument("-o", "--output", type=Path, default=Path("out/report"), metavar="DIR",
                     help="输出文件夹（默认 out/report）")
    rep.add_argument("--config", type=Path, metavar="CONFIG", help="扫描配置（取其中的 store 和 report 设置）")
    rep.add_argument("--store", type=Path, metavar="PATH", help="扫描记录数据库（默认同 scan）")
    rep.add_argument("--format", default=None,
                     help="输出格式，逗号分隔：docx,xlsx,html,json（默认全部可用的格式）")
    rep.add_argument("--scoring", type=Path, metavar="PATH", help="扣分规则（默认 rules/scoring.yaml）")
    rep.add_argument("--trend-weeks", type=int, default=None, help="趋势显示的周数（默认 6）")
    _check_parser(sub)
    return parser


def _check_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    chk = sub.add_parser("check", help="报送前检查办事指南草稿（DOCX）是否与标准化手册一致")
    chk.add_argument("draft", type=Path, metavar="DRAFT", help="办事指南草稿（.docx）")
    chk.add_argument("--handbook", type=Path, action="append", default=[], metavar="PATH",
                     help="标准化手册文件或文件夹（可重复；不写则取 --config 中的手册）")
    chk.add_argument("--config", type=Path, help="扫描配置（取其手册、字段和规则设置）")
    chk.add_argument("--item", metavar="CODE", help="指定草稿对应的手册事项（编码或名称）")
    chk.add_argument("--format", choices=("text", "json"), default="text")
    chk.add_argument("--annotate", type=Path, metavar="OUT.docx",
                     help="另存一份草稿，在每个问题处加 Word 批注")
    chk.add_argument("--select", default="", help="只启用这些规则（代码前缀，逗号分隔）")
    chk.add_argument("--ignore", default="", help="忽略这些规则（代码前缀，逗号分隔）")


def _web_parsers(sub: argparse._SubParsersAction, scan: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    scan.add_argument("--crawl", action="store_true",
                      help="先抓取配置了 crawl 的网站渠道，再扫描（默认只读快照库，不联网）")
    crw = sub.add_parser("crawl", help="抓取配置了 crawl 的网站渠道，存入快照库（可中断后续跑）")
    crw.add_argument("config", type=Path, metavar="CONFIG", help="扫描配置（含各渠道的 crawl 设置）")
    crw.add_argument("--store", type=Path, metavar="PATH",
                     help="快照库（默认取配置的 store，否则为配置旁的 guidecheck.db）")
    crw.add_argument("-q", "--quiet", action="store_true", help="不显示进度和逐条失败，只打印结束汇总")
    chg = sub.add_parser("changes", help="列出两次抓取之间内容有变化的指南（逐字段）")
    chg.add_argument("--config", type=Path, metavar="CONFIG", help="扫描配置（取其中的 store）")
    chg.add_argument("--store", type=Path, metavar="PATH", help="快照库（默认同 crawl）")
    chg.add_argument("--since", metavar="DATE",
                     help="只列该时间及以后的抓取看到的变化（如 2026-11-18，北京时间）")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "crawl":
            return _crawl(args)
        if args.command == "changes":
            return _changes(args)
        if args.command == "check":
            return _check(args)
        if args.command == "report":
            return _report(args)
        return _extract(args)
    except GuidecheckError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR


def _extract(args: argparse.Namespace) -> int:
    result = extract_paths(args.paths, channel=args.channel)
    for error in result.errors:
        print(f"无法读取 {error}", file=sys.stderr)
    for label in result.unknown_labels():
        print(f"提示：未识别的标签“{label}”，已作为附加字段保留", file=sys.stderr)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            _write_json(result, out)
        else:
            _write_table(result.guides, out)
    finally:
        if args.output:
            out.close()
    print(
        f"共读取 {result.files_read} 个文件，抽取 {len(result.guides)} 份指南，"
        f"{len(result.errors)} 个文件无法读取",
        file=sys.stderr,
    )
    nothing_read = result.files_read == 0 or len(result.errors) == result.files_read
    return EXIT_ERROR if nothing_read else EXIT_OK


def _codes(value: str) -> tuple[str, ...]:
    return tuple(v.strip().upper() for v in value.split(",") if v.strip())


def _scan(args: argparse.Namespace) -> int:
    from guidecheck.compare.findings import Severity
    from guidecheck.report.findings_json import summary_data, write_findings
    from guidecheck.report.summary import summarize, write_table
    from guidecheck.scan import load_config, run_scan, unreached_lines

    config = load_config(args.config)
    if args.crawl:
        if config.crawl is None:
            raise GuidecheckError(f"{args.config}: 没有任何渠道配置了 crawl，--crawl 无从抓取")
        _run_crawl(config, _store_path(args, config), quiet=args.quiet)
    result = run_scan(
        config,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        jobs=args.jobs,
        progress=lambda m: print(m, file=sys.stderr),
        store=_store_path(args, config),
    )
    for error in result.errors:
        print(f"无法读取 {error}", file=sys.stderr)
    for line in unreached_lines(result):
        print(line, file=sys.stderr)
    for entry in result.expired:
        print(f"提示：忽略条目已过期，不再生效：{entry.where}", file=sys.stderr)
    rows = summarize(result.checked, result.findings, units=result.units)
    if not args.quiet:
        write_table(rows, sys.stdout)
    settings = result.settings
    summary = summary_data(
        result.findings,
        rows,
        guides=len(result.guides),
        files_read=result.files_read,
        read_errors=[(e.source, e.reason) for e in result.errors],
        suppressed=len(result.suppressed),
        expired=[e.where for e in result.expired],
        unreached=[u.to_data() for r in result.web.values() for u in r.unreached],
        missing_skipped=result.missing_skipped,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        write_findings(
            out,
            result.findings,
            config=str(args.config),
            summary=summary,
            channel_labels=dict(settings.channel_labels) if settings else None,
            field_labels=dict(settings.field_labels) if settings else None,
            evidence=result.evidence,
        )
    print(
        f"共读取 {result.files_read} 个文件（{len(result.errors)} 个无法读取），"
        f"比对 {len(result.guides)} 份指南，发现 {len(result.findings)} 个问题，"
        f"已写入 {args.output}",
        file=sys.stderr,
    )
    if result.files_read == 0 or len(result.errors) == result.files_read:
        return EXIT_ERROR
    _record_scan(args, result, summary)
    level = Severity(args.fail_on) if args.fail_on else None
    return EXIT_FINDINGS if result.failed(level) else EXIT_OK


def _run_crawl(config: ScanConfig, path: Path, *, quiet: bool) -> bool:
    """Crawl the config's web channels into the store at ``path``; print the end summary
    and the pages a scan will not judge. True when every channel was fully reached."""
    import logging

    from guidecheck.crawl.crawler import crawl
    from guidecheck.crawl.reach import crawl_reach
    from guidecheck.store import SnapshotStore

    assert config.crawl is not None
    logger = logging.getLogger("guidecheck.crawl")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    try:
        with SnapshotStore.open(path) as store:
            summary = crawl(config.crawl, store, progress=not quiet)
            reach = crawl_reach(store, config.crawl)
    finally:
        logger.removeHandler(handler)
    for line in summary.lines():
        print(line)
    labels = {c.name: c.label for c in config.channels}
    for name, r in reach.items():
        if r.unreached:
            why = "，".join(f"{k} {v}" for k, v in r.reasons().most_common())
            print(f"{labels.get(name, name)}有 {len(r.unreached)} 个页面本次未能抓取（{why}），"
                  "扫描时不据此判定指南缺失")
    print(f"快照库：{path}")
    return not summary.incomplete_channels and all(r.complete for r in reach.values())


def _crawl(args: argparse.Namespace) -> int:
    from guidecheck.scan import load_config

    config = load_config(args.config)
    if config.crawl is None:
        raise GuidecheckError(f"{args.config}: 没有任何渠道配置了 crawl（抓取设置）")
    reached = _run_crawl(config, _store_path(args, config), quiet=args.quiet)
    return EXIT_OK if reached else EXIT_FINDINGS


def _changes(args: argparse.Namespace) -> int:
    from guidecheck.report.window import parse_moment
    from guidecheck.store import SnapshotStore
    from guidecheck.store.history import changes, render_changes

    config = None
    if args.config is not None and args.store is None:
        from guidecheck.scan import load_config

        config = load_config(args.config)
    path = _store_path(args, config)
    if not path.exists():
        raise GuidecheckError(f"快照库 {path} 不存在：请先运行 guidecheck crawl，或用 --store 指定")
    since = parse_moment(args.since) if args.since else None
    with SnapshotStore.open(path) as store:
        sys.stdout.write(render_changes(changes(store, since)))
    return EXIT_OK


def _store_path(args: argparse.Namespace, config: ScanConfig | None) -> Path:
    """--store, else the config's ``store``, else guidecheck.db beside the config."""
    if args.store:
        return Path(args.store)
    if config is not None:
        return config.store or config.path.parent / "guidecheck.db"
    return Path("guidecheck.db")


def _record_scan(args: argparse.Namespace, result: object, summary: dict[str, object]) -> None:
    """Keep the scan (findings, guides checked per channel) in the store (issue 5)."""
    from guidecheck.report.findings_json import finding_data
    from guidecheck.report.window import parse_moment
    from guidecheck.scan import ScanResult
    from guidecheck.store.findings import ScanStore

    assert isinstance(result, ScanResult)
    at = parse_moment(args.at) if args.at else None
    config = result.config
    settings = result.settings
    labels = dict(settings.channel_labels) if settings else {}
    fields = dict(settings.field_labels) if settings else None
    channels = {c.name: c.label for c in config.channels}
    channels |= {"handbook": "标准化手册", "*": labels.get("*", "各渠道")}
    path = _store_path(args, config)
    with ScanStore.open(path) as store:
        run = store.record_scan(
            at=at,
            config=str(args.config),
            channels=channels,
            checked=[(channel, unit, item) for unit, channel, item in result.checked],
            findings=[
                finding_data(
                    f, channel_labels=labels, field_labels=fields, evidence=result.evidence
                )
                for f in result.findings
            ],
            units=result.units,
            summary={k: v for k, v in summary.items() if k != "units"},
        )
    print(f"扫描记录 #{run.id}（{run.at.isoformat(timespec='seconds')}）已保存到 {path}",
          file=sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from guidecheck.report import weekly
    from guidecheck.report.window import parse_moment
    from guidecheck.store.findings import ScanStore

    config = None
    if args.config:
        from guidecheck.scan import load_config

        config = load_config(args.config)
    options = dict(config.report) if config is not None else {}
    if args.sample is not None and args.sample < 0:
        raise GuidecheckError("--sample 应为非负整数")
    if args.rate is not None and not 0 < args.rate <= 1:
        raise GuidecheckError("--rate 应在 0 到 1 之间（如 0.2）")
    formats = [f.strip().lower() for f in (args.format or ",".join(weekly.FORMATS)).split(",")]
    bad = [f for f in formats if f not in weekly.FORMATS]
    if bad or not formats:
        raise GuidecheckError(f"未知的输出格式 {bad}（可用：{','.join(weekly.FORMATS)}）")
    path = _store_path(args, config)
    if not path.exists():
        raise GuidecheckError(f"扫描记录数据库 {path} 不存在：请先运行 guidecheck scan，或用 --store 指定")
    now = dt.datetime.now(dt.timezone.utc)
    week = parse_moment(args.week) if args.week else None
    window = weekly.pick_window(week, now)
    sampling = None
    if args.sample is not None or args.rate is not None:
        seed = args.seed if args.seed is not None else weekly.default_seed(window)
        sampling = weekly.Sampling(seed=seed, size=args.sample, rate=args.rate)
    scoring_path = args.scoring or (
        Path(args.config).parent / options["scoring"] if options.get("scoring") else None
    )
    with ScanStore.open(path) as store:
        report = weekly.build_report(
            store,
            window,
            now=now,
            sampling=sampling,
            scoring=weekly.load_scoring(scoring_path),
            trend_weeks=args.trend_weeks or int(options.get("trend_weeks") or 6),
            issuer=str(options.get("issuer") or weekly.DEFAULT_ISSUER),
            recipients=str(options.get("recipients") or weekly.DEFAULT_RECIPIENTS),
        )
    written = weekly.write_outputs(
        report, args.output, formats, strict=args.format is not None,
        note=lambda m: print(m, file=sys.stderr),
    )
    t = report.totals
    rate = "—" if t["consistency_rate"] is None else f"{t['consistency_rate']:.1%}"
    sample = report.sample
    if sample is not None:
        print(f"抽样：种子 {sample.seed}，共抽取 {len(sample.guides)} 份指南", file=sys.stderr)
    print(
        f"{report.window.label}：检查指南 {t['guides_checked']} 份，有问题 {t['guides_with_findings']} 份，"
        f"一致率 {rate}；问题 {t['findings']} 个（新增 {t['new']}，未整改 {t['persisting']}），"
        f"已整改 {t['resolved']} 个",
        file=sys.stderr,
    )
    for p in written:
        print(f"已写入 {p}", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from guidecheck.check import (
        UsageError,
        default_config,
        notes,
        run_check,
        write_json,
        write_text,
    )
    from guidecheck.report.annotate import annotate_docx
    from guidecheck.scan import load_config

    if args.config is not None:
        config = load_config(args.config)
        if args.handbook:
            config = dataclasses.replace(config, handbook=tuple((p, None) for p in args.handbook))
    elif args.handbook:
        config = default_config(args.handbook)
    else:
        raise UsageError("请用 --handbook 指定标准化手册（文件或文件夹），或用 --config 指定含手册的扫描配置")
    result = run_check(
        args.draft, config, item=args.item, select=_codes(args.select), ignore=_codes(args.ignore)
    )
    for error in result.handbook.errors:
        print(f"提示：手册文件无法读取，已跳过 {error}", file=sys.stderr)
    if args.annotate is not None:
        count = annotate_docx(args.draft, args.annotate, notes(result))
        print(f"已写入带 {count} 条批注的草稿：{args.annotate}", file=sys.stderr)
    if args.format == "json":
        write_json(result, sys.stdout, config=str(args.config) if args.config else None)
    else:
        write_text(result, sys.stdout)
    return EXIT_FINDINGS if result.failed() else EXIT_OK


def _write_json(result: ExtractResult, out: TextIO) -> None:
    doc = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "guides": [to_data(g) for g in result.guides],
        "errors": [{"source": e.source, "reason": e.reason} for e in result.errors],
    }
    json.dump(doc, out, ensure_ascii=False, indent=1)
    out.write("\n")


def _summary(value: object) -> str:
    data = to_data(value, semantic=True)
    if isinstance(data, dict) and set(data) == {"text"}:
        return str(data["text"])
    if isinstance(data, dict) and set(data) == {"items"} and all(
        isinstance(i, str) for i in data["items"]
    ):
        return "；".join(data["items"])
    return json.dumps(data, ensure_ascii=False)


def _write_table(guides: list[Guide], out: TextIO) -> None:
    for guide in guides:
        title = guide.name.text if guide.name else guide.title or "（无事项名称）"
        out.write(f"== {title}  [{guide.channel}] {guide.source}\n")
        for key in FIELD_KEYS:
            value = getattr(guide, key)
            if value is not None:
                out.write(f"  {key:<20} {_summary(value)[:160]}\n")
        for extra in guide.extras:
            out.write(f"  {'+' + extra.label:<20} {extra.value.text[:160]}\n")
        for note in guide.notes:
            out.write(f"  ! {note}\n")
