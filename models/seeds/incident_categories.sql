/* citybrain incident categories with their Chinese names (citybrain/categories.py) and their
   GB/T 30428.2-2013 class (管理事件/管理部件 大类 and 小类) from the case engine's table
   (streams/cases/classify.py, the one source of truth). One row per category; the class columns
   are null where the standard has no class (waterlogging, other). is_gbt_class_inferred: the
   class is not read in a published table (see classify.py). Tests keep the CSV equal to the code:
   tests/models/test_incident_marts_end_to_end.py (names) and tests/models/test_gbt_class_seed.py
   (classes). */
MODEL (
  name reference.incident_categories,
  kind SEED (path 'incident_categories.csv'),
  owner 'citybrain',
  grain category,
  columns (
    category TEXT,
    category_name_zh TEXT,
    is_video_category BOOLEAN,
    gbt_class_standard TEXT,
    gbt_class_kind TEXT,
    gbt_major_class_code TEXT,
    gbt_major_class_name TEXT,
    gbt_class_code TEXT,
    gbt_class_name TEXT,
    is_gbt_class_inferred BOOLEAN
  ),
  column_descriptions (
    category = 'citybrain category code',
    category_name_zh = 'Chinese name of the category',
    is_video_category = 'video AI detects this category',
    gbt_class_standard = 'the class dictionary: GB/T 30428.2-2013',
    gbt_class_kind = 'event (管理事件) or component (管理部件)',
    gbt_major_class_code = '大类 code, two digits (01 市容环境, 02 宣传广告, 04 街面秩序, ...)',
    gbt_major_class_name = '大类 name',
    gbt_class_code = '小类 code, NN-NN (major-sub), e.g. 01-10 暴露垃圾',
    gbt_class_name = '小类 name',
    is_gbt_class_inferred = 'the class is inferred, not read in a published table'
  ),
  audits (
    not_null(columns := (category, category_name_zh, is_video_category)),
    unique_values(columns := (category))
  ),
  description 'citybrain incident categories: code, Chinese name, whether video AI detects it, and the GB/T 30428.2-2013 major class and class'
);
