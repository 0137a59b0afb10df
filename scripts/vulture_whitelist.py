"""Names the dead-code check (vulture, run by ``bash scripts/dev lint``) cannot see being used.

Every entry says who uses it. Add a name here only when something outside Python's own
references reads it; dead code is deleted, not listed.
"""

# ruff: noqa
_ = object()

# python-pptx: properties are set for their effect on the saved file, never read back.
_.alignment, _.auto_size, _.categories, _.gap_width, _.has_legend, _.has_major_gridlines, _.has_title
_.inherit, _.line_spacing, _.major_tick_mark, _.margin_bottom, _.margin_left, _.margin_right, _.margin_top
_.maximum_scale, _.minimum_scale, _.position, _.reverse_order, _.space_before, _.vary_by_categories
_.vertical_anchor, _.visible, _.word_wrap, _._blob, _.crop_left, _.crop_top, _.crop_right, _.crop_bottom

# openpyxl and ruamel.yaml: settings read when the workbook or the YAML is written (studio/briefsheet.py).
_.data_type, _.quotePrefix, _.number_format, _.freeze_panes, _.preserve_quotes

# Jinja2 templates read these attributes (templates/radio/announcer.txt.j2: item.voiceover).
_.voiceover

# Benchmarks' baselines and tests' hooks (benchmarks/bench_radio.py, tests/test_radio_tts.py,
# tests/test_video.py's moviepy reference render, tests/test_radio_bulletin.py).
from studio.radio import Narration, audio
from studio.radio.tts import Auto
from studio.video.timeline import to_moviepy

audio.to_pcm, audio.encode_mp3, Auto.forget, to_moviepy, Narration.duration_s

# pikepdf: PDF objects are set for the saved file (studio/visual/pdf.py: PDF/X OutputIntent, DefaultRGB, Info).
_.OutputIntents, _.DefaultRGB, _.GTS_PDFXConformance, _.Info

# The brief editor (studio/web/editor.py): brief_edit.html calls form.shown_rows; Starlette's Request reads _body
# (the form body, read with a bound before it is parsed).
_.shown_rows, _._body
