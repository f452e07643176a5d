"""ケアプランデータ連携標準仕様 4.1 (CSVバージョン 202407): the national files' layouts, names and codec.

`layouts` holds every column of every file of 居宅介護支援 as data (shared/careplan-standard.md §2);
`codec` reads and writes them (MS932 without 外字, free text quoted, line breaks inside quotes, CRLF) and
builds and parses the file names (§1.2). The plan models' import and export are built on these.
"""
