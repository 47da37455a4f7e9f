"""rules/fields.yaml: every synonym of domain.md resolves; malformed files are named errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guidecheck.errors import ConfigError
from guidecheck.model import FIELD_KEYS
from guidecheck.vocab import label_key, load_field_vocab, parse_field_vocab

# Synonyms listed in ../shared/domain.md, as they appear on real pages (with the
# colons, asterisks, spaces and unit suffixes real labels carry).
LABELS = {
    "事项名称：": "name",
    "权力名称": "name",
    "日常用语": "name",
    "权力基本码": "code",
    "实施清单编码:": "code",
    "审批类别": "item_type",
    "受理机构": "implementing_body",
    "主管部门": "line_department",
    "行使依据": "legal_basis",
    "受理范围": "conditions",
    "*应提交材料": "materials",
    "材 料 清 单": "materials",
    "窗口办理流程": "process",
    "法定期限（工作日）": "time_limit_legal",
    "承诺办结时限(工作日)：": "time_limit_promised",
    "收费依据": "fee",
    "办事者到办事地点最少次数": "visits",
    "网上办理深度": "online",
    "窗口地址": "location",
    "办公时间": "hours",
    "咨询方式": "phone",
    "监督投诉方式": "complaint_phone",
    "送达方式": "result",
    "办件类型": "case_type",
    "ＦＯＯ": None,
}


@pytest.mark.parametrize("label,key", LABELS.items(), ids=list(LABELS))
def test_labels_resolve(vocab, label, key):
    assert vocab.field_for_label(label) == key


def test_every_canonical_field_has_labels(vocab):
    assert set(vocab.fields) == set(FIELD_KEYS)


@pytest.mark.parametrize(
    "header,attr",
    [("材料名称", "name"), ("提交形式", "form"), ("原件/复印件", "copy_kind"),
     ("数量要求", "count"), ("是否必要", "necessity"), ("来源渠道", "source"), ("填报须知", "note")],
)
def test_material_columns(vocab, header, attr):
    assert vocab.material_column(header) == attr


def test_label_key_folds_width_and_suffix():
    assert label_key("承诺办结时限（工作日）：") == label_key("承诺办结时限")
    assert label_key("＊ 申请材料 :") == "申请材料"


def _load(tmp_path: Path, data) -> None:
    path = tmp_path / "fields.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return parse_field_vocab(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def _base() -> dict:
    return yaml.safe_load(
        (Path(__file__).parents[1] / "rules" / "fields.yaml").read_text(encoding="utf-8")
    )


def test_unknown_field_key_suggests(tmp_path):
    data = _base()
    data["fields"]["materals"] = data["fields"].pop("materials")
    with pytest.raises(ConfigError, match=r"fields\.yaml: fields: 未知的键 'materals'.*materials"):
        _load(tmp_path, data)


def test_label_claimed_twice_is_an_error(tmp_path):
    data = _base()
    data["fields"]["hours"]["labels"].append("办理地点")
    with pytest.raises(ConfigError, match="fields.hours.labels: 标签 '办理地点' 已属于 location"):
        _load(tmp_path, data)


def test_bad_kind_is_named(tmp_path):
    data = _base()
    data["fields"]["fee"]["kind"] = "money"
    with pytest.raises(ConfigError, match="fields.fee.kind"):
        _load(tmp_path, data)


def test_unreadable_yaml(tmp_path):
    (tmp_path / "fields.yaml").write_text("fields: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML 格式错误"):
        load_field_vocab(tmp_path)
