"""JSON Schema of campaign.yaml and of a brief, from the pydantic models, for editors.

``studio schema [--brief]`` prints them and ``docs/schema/*.schema.json`` are their
published copies (``tests/test_schema.py`` keeps them equal). An editor with the YAML
language server (VS Code's YAML extension) then checks keys, types, ids and formats
and completes them while the designer types. The fields the loader fills
(``root``, ``units``, ``briefs``, a brief's ``source``) are not part of the files, so
not of the schemas; English docstrings give way to Vietnamese descriptions.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .campaign import Brief, Campaign
from .formats import FORMATS

LOADER_FIELDS = {"Campaign": ("root", "units", "briefs"), "Brief": ("source",)}
SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"

#: What the designer sees on hover, by model and field.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Campaign": {
        "": "Chiến dịch thông tin, tuyên truyền (campaign.yaml)",
        "id": "Mã chiến dịch: chữ thường không dấu, số, dấu gạch ngang",
        "title": "Tên kế hoạch", "issuer": "Cơ quan ban hành", "plan_ref": "Số, ngày của kế hoạch",
        "phases": "Các đợt (giai đoạn) của kế hoạch; không chồng nhau",
        "channels": "Các kênh (hình thức tuyên truyền) và định dạng sản phẩm của từng kênh",
        "audiences": "Các cơ quan, đơn vị thực hiện (mục Tổ chức thực hiện)",
        "units_file": "Tệp đơn vị hành chính trong thư mục chiến dịch (tạo bằng studio units import)",
        "keep_together": "Tên riêng, cụm cố định không được ngắt dòng giữa chừng",
        "brand": "Bộ nhận diện: màu, phông chữ, logo", "audio": "Thiết lập âm thanh của bản tin truyền thanh",
        "storage": "Nơi phát hành (studio publish)",
    },
    "Phase": {
        "": "Một đợt hoặc giai đoạn con",
        "id": "Mã giai đoạn, ví dụ dot-1", "name": "Tên nội bộ, theo kế hoạch",
        "public_name": "Tên công khai in trên sản phẩm (để trống: không in)",
        "start": "Ngày bắt đầu, YYYY-MM-DD", "end": "Ngày kết thúc, YYYY-MM-DD",
        "content_lines": "Các dòng nội dung tuyên truyền của kế hoạch cho đợt này",
        "peak": "Thời gian cao điểm, nằm trong giai đoạn",
        "daily": "true: bản tin truyền thanh mỗi ngày (tối đa 62 ngày)",
        "subphases": "Giai đoạn con, nằm trong giai đoạn này",
    },
    "Channel": {
        "": "Một kênh tuyên truyền",
        "unit_level": "Một sản phẩm cho mỗi đơn vị cấp này: province (tỉnh), district (huyện), commune (xã)",
        "formats": "Định dạng sản phẩm của kênh",
    },
    "Brief": {
        "": "Một tin bài (briefs/*.yaml)",
        "id": "Mã tin bài (tên tệp): chữ thường không dấu, số, dấu gạch ngang",
        "phase": "Mã giai đoạn trong campaign.yaml", "title": "Tiêu đề tin bài",
        "headline": "Thông điệp chính, ngắn gọn (in trên sản phẩm)", "key_messages": "Các ý chính",
        "body": "Nội dung đầy đủ (bản tin truyền thanh, ghi chú người trình bày)",
        "stats": "Số liệu; số không từ nguồn chính thức ghi illustrative: true", "slogans": "Khẩu hiệu",
        "channels": "Các kênh đăng tin bài (mã kênh trong campaign.yaml)",
        "formats": "Chỉ một số định dạng của các kênh đó (để trống: mọi định dạng)",
        "targets": "Mã huyện, xã trong units.yaml (để trống: toàn tỉnh)",
        "audiences": "Mã cơ quan thực hiện trong campaign.yaml",
        "priority": "Mức ưu tiên: normal, priority, emergency",
        "approval": "Duyệt: chỉ tin bài approved (kèm by, at) được phát hành",
        "start": "Bắt đầu phát (trong giai đoạn), YYYY-MM-DD", "end": "Kết thúc phát (trong giai đoạn), YYYY-MM-DD",
        "images": "Ảnh, kèm mô tả (alt)", "qr": "Địa chỉ web in thành mã QR (https://…)",
        "timeline": "Mốc thời gian riêng của tin bài, hoặc \"phases\" để vẽ các đợt của chiến dịch",
        "template": "Mẫu hình ảnh (infographic)",
    },
    "Stat": {
        "label": "Tên số liệu", "value": "Giá trị (số, dấu chấm thập phân)", "unit": "Đơn vị tính",
        "source": "Nguồn số liệu", "illustrative": "true: số liệu minh họa (in kèm “số liệu minh họa”)",
    },
    "Approval": {"status": "draft (nháp) hoặc approved (đã duyệt)", "by": "Người duyệt", "at": "Thời điểm duyệt"},
}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of one file kind (``Campaign`` or ``Brief``) as the designer writes it."""
    schema = model.model_json_schema(mode="validation")
    name = model.__name__
    for field in LOADER_FIELDS.get(name, ()):
        schema["properties"].pop(field, None)
        if field in schema.get("required", []):
            schema["required"].remove(field)
    defs = schema.pop("$defs", {})
    for def_name, sub in [(name, schema), *defs.items()]:
        _describe(def_name, sub)
    used = _referenced(schema, defs)
    out: dict[str, Any] = {"$schema": SCHEMA_URL, "title": schema.pop("title", name)}
    out.update(schema)
    if used:
        out["$defs"] = {k: defs[k] for k in defs if k in used}
    return out


def _describe(name: str, sub: dict[str, Any]) -> None:
    texts = DESCRIPTIONS.get(name, {})
    sub.pop("description", None)
    if "" in texts:
        sub["description"] = texts[""]
    for field, prop in sub.get("properties", {}).items():
        prop.pop("title", None)
        prop.pop("description", None)
        if field in texts:
            prop["description"] = texts[field]
        if field == "formats":  # completion of the format catalogue's ids
            prop["items"] = {"enum": sorted(FORMATS), "type": "string"}


def _referenced(root: Any, defs: dict[str, Any]) -> set[str]:
    """The names of ``defs`` reachable from ``root`` through ``$ref``."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = ref.removeprefix("#/$defs/")
                if target not in seen:
                    seen.add(target)
                    todo.append(defs[target])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return seen


def campaign_schema() -> dict[str, Any]:
    return json_schema(Campaign)


def brief_schema() -> dict[str, Any]:
    return json_schema(Brief)
