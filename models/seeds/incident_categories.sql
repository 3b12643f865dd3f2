/* citybrain incident categories with their Chinese names (citybrain/categories.py).
   One row per category; tests/models/test_incident_models.py keeps the CSV equal to the code. */
MODEL (
  name reference.incident_categories,
  kind SEED (path 'incident_categories.csv'),
  owner 'citybrain',
  grain category,
  columns (
    category TEXT,
    category_name_zh TEXT,
    is_video_category BOOLEAN
  ),
  audits (
    not_null(columns := (category, category_name_zh, is_video_category)),
    unique_values(columns := (category))
  ),
  description 'citybrain incident categories: code, Chinese name, whether video AI detects it'
);
