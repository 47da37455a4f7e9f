"""Portal boilerplate around a guide: header, navigation, breadcrumb, side bars,
footer, styles and scripts. Extraction must ignore all of it.

It is deliberately bulky (a real portal page is 30–60 KB) and full of links.
It never holds a field label from rules/fields.yaml followed by a value.
"""

from __future__ import annotations

import random
from html import escape

TOPICS = [
    "生育收养", "户籍办理", "民族宗教", "教育科研", "入伍服役", "就业创业", "设立变更", "准营准办",
    "抵押质押", "职业资格", "行政缴费", "婚姻登记", "优待抚恤", "规划建设", "住房保障", "社会保障",
    "证件办理", "交通出行", "旅游观光", "出境入境", "消费维权", "公共安全", "司法公证", "知识产权",
    "环保绿化", "文化体育", "公用事业", "医疗卫生", "离职退休", "死亡殡葬", "企业开办", "破产注销",
]
DEPTS = [
    "市发改委", "市经信局", "市教育局", "市科技局", "市民宗局", "市公安局", "市民政局", "市司法局",
    "市财政局", "市人力社保局", "市规划和自然资源局", "市生态环境局", "市建委", "市城管局",
    "市交通运输局", "市林水局", "市农业农村局", "市商务局", "市文广旅游局", "市卫健委",
    "市退役军人局", "市应急管理局", "市审计局", "市国资委", "市市场监管局", "市体育局", "市统计局",
    "市医保局", "市住保房管局", "市园文局", "市人防办", "市档案馆", "杭州住房公积金管理中心",
    "市气象局", "市税务局", "市消防救援支队",
]
AREAS = [
    "上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区",
    "临安区", "桐庐县", "淳安县", "建德市", "西湖风景名胜区",
]
HOT = [
    "新生儿出生“一件事”", "企业开办“一件事”", "退休“一件事”", "二手房交易登记", "社保卡申领",
    "公积金提取", "居住证申领", "电动自行车登记", "机动车驾驶证换证", "个人所得税汇算",
    "医保关系转移", "不动产登记查询", "企业注销“一件事”", "护照办理", "港澳通行证签注",
    "失业登记", "灵活就业参保", "婚姻登记预约", "义务教育入学", "残疾人证申领",
]
NEWS = [
    "关于优化政务服务事项办理流程的通知", "政务服务中心节假日期间服务安排", "“一网通办”新上线事项公告",
    "关于开展政务服务“好差评”工作的公告", "便民服务点延时服务安排", "电子证照互认共享应用推广",
    "“浙里办”掌上办事指引", "窗口无差别受理改革问答", "企业开办全程网办操作指南",
    "关于规范办事指南编制的通知", "政务服务2.0平台上线运行公告", "跨省通办事项清单发布",
]


def _links(rng: random.Random, words: list[str], n: int, href: str, cls: str) -> str:
    out = []
    for i in range(n):
        word = words[(i + rng.randrange(len(words))) % len(words)]
        out.append(f'<li class="{cls}"><a href="{href}?id={rng.randrange(10**6, 10**7)}" '
                   f'title="{escape(word)}" target="_blank">{escape(word)}</a></li>')
    return "\n".join(out)


CSS_RULES = [
    ".{p}-header{{height:120px;background:#1677ff url(/static/img/banner.png) no-repeat center;}}",
    ".{p}-nav li{{float:left;padding:0 18px;line-height:46px;font-size:16px;color:#fff;}}",
    ".{p}-nav li a:hover{{background:rgba(255,255,255,.15);text-decoration:none;}}",
    ".{p}-crumb{{margin:12px 0;color:#666;font-size:13px;}}.{p}-crumb a{{color:#1677ff;}}",
    ".{p}-side{{width:260px;float:right;border:1px solid #e5e5e5;margin-left:20px;}}",
    ".{p}-side h5{{margin:0;padding:10px 14px;background:#f5f7fa;font-size:15px;}}",
    ".{p}-footer{{clear:both;background:#2b2f36;color:#aab;padding:30px 0;font-size:13px;}}",
    ".{p}-footer a{{color:#ccd;margin:0 8px;}}.{p}-footer p{{line-height:26px;text-align:center;}}",
    ".{p}-table td,.{p}-table th{{border:1px solid #dfe3e8;padding:8px 12px;vertical-align:top;}}",
    ".{p}-btn{{display:inline-block;padding:6px 18px;border-radius:4px;background:#1677ff;color:#fff;}}",
    ".{p}-tabs span{{display:inline-block;padding:8px 20px;cursor:pointer;border-bottom:2px solid transparent;}}",
    ".{p}-tabs span.active{{border-bottom-color:#1677ff;color:#1677ff;font-weight:bold;}}",
    "@media (max-width:768px){{.{p}-side{{display:none;}}.{p}-main{{width:100%;}}}}",
]


def css(prefix: str, rng: random.Random, n: int) -> str:
    rules = [CSS_RULES[i % len(CSS_RULES)].format(p=f"{prefix}{i // len(CSS_RULES) or ''}")
             for i in range(n)]
    rng.shuffle(rules)
    return "\n".join(rules)


JS = """
(function(){
  var cfg = {site: "%(site)s", version: "%(ver)s", track: true, channel: "%(channel)s"};
  window.__PAGE_CONFIG__ = cfg;
  function $(s){return document.querySelectorAll(s);}
  function bindTabs(){
    var tabs = $(".tabs span");
    for (var i = 0; i < tabs.length; i++) {
      tabs[i].onclick = function(){
        for (var j = 0; j < tabs.length; j++) { tabs[j].className = ""; }
        this.className = "active";
        var id = this.getAttribute("data-target");
        var panes = $(".tab-pane");
        for (var k = 0; k < panes.length; k++) { panes[k].style.display = panes[k].id === id ? "block" : "none"; }
      };
    }
  }
  function stat(){
    var img = new Image();
    img.src = "/stat/pv.gif?u=" + encodeURIComponent(location.href) + "&r=" + Math.random();
  }
  function fontSize(delta){
    var body = document.body, size = parseInt(window.getComputedStyle(body).fontSize, 10);
    body.style.fontSize = (size + delta) + "px";
  }
  window.zoomIn = function(){ fontSize(1); };
  window.zoomOut = function(){ fontSize(-1); };
  document.addEventListener("DOMContentLoaded", function(){ bindTabs(); stat(); });
})();
"""


def page(
    *, channel: str, prefix: str, site: str, title: str, crumbs: list[str], main: str,
    rng: random.Random, charset: str, size_hint: int,
) -> str:
    """A whole portal page around ``main``; ``size_hint`` scales the link blocks."""
    nav = _links(rng, TOPICS, 12, "/topic", "nav-item")
    depts = _links(rng, DEPTS, 20 + size_hint * 6, "/dept", "dept-item")
    areas = _links(rng, AREAS, len(AREAS), "/area", "area-item")
    hot = _links(rng, HOT, 10 + size_hint * 4, "/hot", "hot-item")
    news = _links(rng, NEWS, 8 + size_hint * 3, "/news", "news-item")
    topics = _links(rng, TOPICS, 16 + size_hint * 6, "/theme", "theme-item")
    crumb = " &gt; ".join(f'<a href="/{i}">{escape(c)}</a>' for i, c in enumerate(crumbs[:-1]))
    crumb += f" &gt; <span>{escape(crumbs[-1])}</span>"
    script = JS % {"site": site, "ver": f"{rng.randrange(1, 9)}.{rng.randrange(0, 99)}.0",
                   "channel": channel}
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="SiteName" content="{escape(site)}">
<meta name="ColumnName" content="办事指南">
<title>{escape(title)}_{escape(site)}</title>
<link rel="stylesheet" href="/static/css/common.css?v={rng.randrange(1000, 9999)}">
<style>
{css(prefix, rng, 40 + size_hint * 10)}
</style>
<script src="/static/js/jquery.min.js"></script>
</head>
<body>
<div class="{prefix}-top"><div class="wrap">
<span class="welcome">您好，欢迎来到{escape(site)}！</span>
<a href="/login">登录</a> | <a href="/register">注册</a> | <a href="javascript:zoomIn()">放大</a> |
<a href="javascript:zoomOut()">缩小</a> | <a href="/old">长者模式</a> | <a href="/en">English</a>
</div></div>
<div class="{prefix}-header"><div class="wrap"><a class="logo" href="/"><img src="/static/img/logo.png" alt="{escape(site)}"></a>
<form class="search" action="/search"><input type="text" name="q" placeholder="请输入事项名称或关键词"><button>搜索</button></form>
</div></div>
<div class="{prefix}-nav"><ul>
<li><a href="/">首页</a></li><li><a href="/personal">个人办事</a></li><li><a href="/legal">法人办事</a></li>
<li><a href="/dept">部门服务</a></li><li><a href="/theme">主题集成服务</a></li><li><a href="/public">政务公开</a></li>
<li><a href="/interact">互动交流</a></li>
{nav}
</ul></div>
<div class="{prefix}-crumb wrap">当前位置：{crumb}</div>
<div class="wrap clearfix">
<div class="{prefix}-side">
<h5>热门服务</h5><ul class="hot-list">
{hot}
</ul>
<h5>地区切换</h5><ul class="area-list">
{areas}
</ul>
<h5>通知公告</h5><ul class="news-list">
{news}
</ul>
</div>
<div class="{prefix}-main">
{main}
</div>
</div>
<div class="{prefix}-links wrap"><h5>部门导航</h5><ul class="dept-list">
{depts}
</ul>
<h5>主题服务</h5><ul class="theme-list">
{topics}
</ul></div>
<div class="{prefix}-footer">
<p><a href="/about">关于我们</a>|<a href="/map">网站地图</a>|<a href="/help">使用帮助</a>|<a href="/privacy">隐私声明</a>|<a href="/feedback">意见反馈</a></p>
<p>主办单位：{escape(site)}运维中心　承办：杭州市数据资源管理局</p>
<p>网站标识码 3301000063　浙ICP备12345678号-1　浙公网安备 33010302000123号</p>
<p>服务热线 12345（24小时）　建议使用1920×1080分辨率浏览</p>
</div>
<script>
{script}
</script>
<script src="/static/js/stat.js?v={rng.randrange(1000, 9999)}"></script>
</body>
</html>
"""
