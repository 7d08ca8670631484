"""``kb`` — the command line of the knowledge base. Messages are Chinese; no traceback reaches a user."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .build import BuildFailed
from .console import INTERRUPTED
from .problems import DataError, Problems, UserError
from .project import Project, ProjectNotFound


# argparse's own words (usage, help headings, errors) in Chinese. argparse looks its strings up
# through the module-level gettext alias ``_`` each time it needs one, so replacing that alias
# is the one place to translate them; strings not listed here stay as argparse wrote them.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值 %(value)r（应为 %(type)s）",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知命令 %(parser_name)r（可用：%(choices)s）",
}
argparse._ = lambda text: ARGPARSE_ZH.get(text, text)


def _project(args: argparse.Namespace) -> Project:
    return Project.find(Path(args.project) if args.project else None)


def print_problems(problems: Problems, *, out=None) -> None:
    out = out or sys.stdout
    for problem in problems.errors:
        print(f"错误 {problem.format()}", file=out)
    if problems.warnings:
        if problems.errors:
            print("", file=out)
        print(f"—— {len(problems.warnings)} 个警告 ——", file=out)
        for problem in problems.warnings:
            print(f"警告 {problem.format()}", file=out)


# --- commands ------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import check

    project = _project(args)
    seeds = Path(args.sources) if args.sources else None
    if seeds is not None and not seeds.is_dir():
        raise UserError(f"找不到原文文件夹：{seeds}")
    result = check(project, seeds_dir=seeds)
    print_problems(result.problems)
    counts = "、".join(f"{label} {n}" for label, n in result.kb.counts().items())
    errors, warnings = len(result.problems.errors), len(result.problems.warnings)
    checked = f"；核对摘录 {result.excerpts_checked} 条" if seeds is not None else ""
    print(f"检查完成：{counts}{checked}；{errors} 个错误，{warnings} 个警告")
    if errors or (args.strict and warnings):
        return 1
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_record

    project = _project(args)
    path = new_record(project, args.type, args.name, record_id=args.id)
    print(f"已创建 {path.relative_to(project.root).as_posix()}；按注释填写后运行 kb check")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    project = _project(args)
    written = write_schemas(project.schema_dir)
    print(f"已写出 {len(written)} 个 JSON Schema 到 {project.schema_dir.relative_to(project.root).as_posix()}/")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build_site

    project = _project(args)
    report = build_site(project, strict=not args.no_strict, quiet=args.quiet, use_cache=not args.no_cache)
    print(report)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .pipeline import generate

    project = _project(args)
    result = generate(project)
    print(f"已生成页面：写入 {result.written} 个、删除 {result.removed} 个、未变 {result.unchanged} 个")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .build import serve

    project = _project(args)
    serve(project, address=args.address)
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from .pack import pack_site

    project = _project(args)
    archive, checksum = pack_site(project, Path(args.out) if args.out else None)
    print(f"已打包：{archive}\n校验文件：{checksum}")
    return 0


def cmd_check_site(args: argparse.Namespace) -> int:
    from .sitecheck import check_site, format_report

    if args.site:
        site, shown = Path(args.site), args.site
    else:
        site, shown = _project(args).site_dir, "site/"
    text, good = format_report(check_site(site), shown)
    print(text, file=sys.stdout if good else sys.stderr)
    return 0 if good else 1


def cmd_export(args: argparse.Namespace) -> int:
    from .export_docx import export
    from .pipeline import load_graph

    project = _project(args)
    graph, _problems = load_graph(project)
    path, what = export(graph, args.kind, args.names, Path(args.out) if args.out else None, force=args.force)
    print(f"已导出{what}：{path}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .office_template import template
    from .pipeline import load_graph

    project = _project(args)
    graph, _problems = load_graph(project)
    path, what = template(graph, args.type, Path(args.out) if args.out else None, records_from=args.from_, force=args.force)
    print(f"已写出{what}：{path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .office_import import run

    return run(_project(args), args.files, dry_run=args.dry_run, update=args.update)


def cmd_synth(args: argparse.Namespace) -> int:
    from .synth import write_synthetic

    try:
        template = _project(args)
    except ProjectNotFound:
        template = None
    out = write_synthetic(args.count, Path(args.out), seed=args.seed, template=template)
    print(f"已写出 {args.count} 项合成实践到 {out}（仅供基准测试，勿混入正式数据）")
    return 0


COMMANDS = {
    "check": cmd_check,
    "new": cmd_new,
    "schema": cmd_schema,
    "build": cmd_build,
    "generate": cmd_generate,
    "serve": cmd_serve,
    "pack": cmd_pack,
    "synth": cmd_synth,
    "export": cmd_export,
    "check-site": cmd_check_site,
    "template": cmd_template,
    "import": cmd_import,
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="协商实践知识库：检查记录、生成页面、构建网站")
    parser.add_argument("--project", help="项目目录（默认：当前目录或其上级中含 mkdocs.yml 和 data/ 的目录）")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("check", help="检查全部记录和引用")
    p.add_argument("--strict", action="store_true", help="有警告也算失败")
    p.add_argument("--sources", metavar="DIR", help="同时按原文核对每条摘录（原文文本所在文件夹）")

    p = sub.add_parser("new", help="新建一条带注释的记录")
    p.add_argument("type", choices=["practice", "organization", "term", "method", "source", "theme", "region", "course"],
                   help="记录类型")
    p.add_argument("name", help="中文名称")
    p.add_argument("--id", help="自定义 id（默认由名称的拼音生成）")

    sub.add_parser("schema", help="生成编辑器用的 JSON Schema")

    p = sub.add_parser("build", help="检查、生成页面并构建网站到 site/（失败时保留上次的网站）")
    p.add_argument("--no-strict", action="store_true", help="不把网站引擎（MkDocs 或 ProperDocs）的警告当作错误")
    p.add_argument("--quiet", action="store_true", help="少输出")
    p.add_argument("--no-cache", action="store_true",
                   help="不用 .cache/kb/ 的缓存：从头检查和生成，也不写入缓存（只构建一次时更快、更省内存；已有的缓存不动）")

    sub.add_parser("generate", help="只由记录生成 docs/ 中的 Markdown 页面")

    p = sub.add_parser("serve", help="本地预览；修改 YAML 后自动重新生成并刷新")
    p.add_argument("--address", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")

    p = sub.add_parser("synth", help="生成合成知识库（仅供基准测试）")
    p.add_argument("count", type=int, metavar="N", help="实践数")
    p.add_argument("--out", required=True, help="输出文件夹（不能是项目自己的 data/）")
    p.add_argument("--seed", type=int, default=20261123, help="随机种子（默认固定，结果可复现）")

    p = sub.add_parser("export", help="把一门课程或几项实践导出为 Word 讲义（.docx）")
    p.add_argument("kind", choices=["course", "practices"], help="course：一门课程；practices：一项或几项实践")
    p.add_argument("names", nargs="+", metavar="名称", help="课程或实践的名称、别名或 id")
    p.add_argument("-o", "--out", metavar="文件.docx", help="输出文件或文件夹（默认：当前目录下以名称命名的 .docx）")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖它")

    p = sub.add_parser("check-site", help="检查一个构建好的网站是否由 kb build 完整构建（检索索引、生成的页面和区块、脚本）")
    p.add_argument("site", nargs="?", metavar="SITE", help="网站文件夹（默认：项目的 site/）")

    from .office_form import ALL_TYPES

    p = sub.add_parser("template", help="写出给各地填写的 Word 或 Excel 模板（可由已有记录填好）")
    p.add_argument("type", choices=[*ALL_TYPES, "all"], help="记录类型；all：全部类型")
    p.add_argument("-o", "--out", metavar="文件.docx|文件.xlsx", help="输出文件：.docx 为 Word，.xlsx 为 Excel（默认：当前目录下的 Word 模板）")
    p.add_argument("--from", dest="from_", nargs="+", metavar="名称", help="由这些已有记录（名称、别名或 id）填好模板")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖它")

    p = sub.add_parser("import", help="导入填好的 Word/Excel 模板，写成 data/ 中的记录（先整体检查，有错不写）")
    p.add_argument("files", nargs="+", metavar="文件", help="填好的 .docx 或 .xlsx 模板（可以多个）")
    p.add_argument("--dry-run", action="store_true", help="只显示将写出的文件和内容，不写入")
    p.add_argument("--update", action="store_true", help="允许修改已有记录（显示改动，updated 记为今天）")

    p = sub.add_parser("pack", help="把 site/ 打包为带日期的 .zip，并写出 SHA-256 校验文件")
    p.add_argument("--out", help="输出文件夹（默认：项目根目录下的 dist/）")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except DataError as exc:
        print_problems(exc.problems, out=sys.stderr)
        print(f"数据有 {len(exc.problems.errors)} 个错误，未生成页面，网站保持原样；请先修正（可运行 kb check 查看）", file=sys.stderr)
        return 1
    except BuildFailed as exc:
        print(f"构建失败，上次构建的网站保持不变：\n{exc}", file=sys.stderr)
        return 1
    except (UserError, ProjectNotFound) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (kb check | head): stop quietly, as other command-line tools do.
        # stdout is pointed at /dev/null so that Python's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last line of defence: a message, never a traceback
        if os.environ.get("KB_DEBUG"):
            raise
        print(f"内部错误（{type(exc).__name__}）：{exc}\n请把这条信息和所用命令报告给维护者；设置 KB_DEBUG=1 可看到详细信息",
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
