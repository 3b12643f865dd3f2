"""Macros for the few expressions that DuckDB and PostgreSQL spell differently.

Models are written in DuckDB's dialect and SQLMesh transpiles them (sqlglot) for
the gateway's engine; that covers casts, intervals, ``QUALIFY``, ``AT TIME
ZONE`` and most functions. Where sqlglot has no faithful translation, a model
calls one of these macros: on the ``duckdb`` gateway each renders exactly the
expression the model used before, on ``postgres`` an equivalent PostgreSQL
expression. The engine is the gateway variable ``sql_engine`` (config.py).
"""

from __future__ import annotations

from sqlglot import exp
from sqlmesh import macro


def _postgres(evaluator) -> bool:
    return evaluator.var("sql_engine", "duckdb") == "postgres"


def _sql(template: str, **parts: exp.Expr) -> exp.Expr:
    """Parse ``template`` (DuckDB dialect) with {name} holes filled by expressions."""
    text = template.format(**{k: v.sql(dialect="duckdb") for k, v in parts.items()})
    return exp.maybe_parse(text, dialect="duckdb")


@macro()
def json_strings(evaluator, document: exp.Expr, path: exp.Expr) -> exp.Expr:
    """The strings a JSONPath with a wildcard (``'$.permits[*].permit_id'``) selects, as a list.

    sqlglot drops the wildcard when it writes PostgreSQL's JSON_EXTRACT_PATH_TEXT;
    PostgreSQL evaluates the same JSONPath with JSONB_PATH_QUERY_ARRAY. Null for
    a null document, an empty list where the path selects nothing.
    """
    if _postgres(evaluator):
        return _sql(
            "CASE WHEN {document} IS NOT NULL THEN "
            "ARRAY(SELECT JSONB_ARRAY_ELEMENTS_TEXT("
            "JSONB_PATH_QUERY_ARRAY(TO_JSONB(CAST({document} AS JSON)), {path}))) END",
            document=document,
            path=path,
        )
    return _sql("JSON_EXTRACT_STRING({document}, {path})", document=document, path=path)


@macro()
def json_doubles(evaluator, document: exp.Expr, path: exp.Expr) -> exp.Expr:
    """The numbers a JSONPath with a wildcard (``'$.evidence[*].speed_kmh'``) selects, as a list."""
    if _postgres(evaluator):
        return _sql(
            "CASE WHEN {document} IS NOT NULL THEN "
            "ARRAY(SELECT CAST(value AS DOUBLE) FROM JSONB_ARRAY_ELEMENTS_TEXT("
            "JSONB_PATH_QUERY_ARRAY(TO_JSONB(CAST({document} AS JSON)), {path})) AS e(value)) END",
            document=document,
            path=path,
        )
    return _sql("CAST(JSON_EXTRACT({document}, {path}) AS DOUBLE[])", document=document, path=path)


@macro()
def list_max(evaluator, values: exp.Expr) -> exp.Expr:
    """The largest element of a list."""
    if _postgres(evaluator):
        return _sql("(SELECT MAX(v) FROM UNNEST({values}) AS u(v))", values=values)
    return _sql("LIST_MAX({values})", values=values)


@macro()
def list_avg(evaluator, values: exp.Expr) -> exp.Expr:
    """The mean of a list's elements."""
    if _postgres(evaluator):
        return _sql("(SELECT AVG(v) FROM UNNEST({values}) AS u(v))", values=values)
    return _sql("LIST_AVG({values})", values=values)


@macro()
def list_len(evaluator, values: exp.Expr) -> exp.Expr:
    """The number of elements of a list."""
    if _postgres(evaluator):
        return _sql("CARDINALITY({values})", values=values)
    return _sql("LEN({values})", values=values)


@macro()
def split_list(evaluator, text: exp.Expr, separator: exp.Expr) -> exp.Expr:
    """A string split at a separator, as a list (unnest it for rows).

    On PostgreSQL the separator is a regular expression (sqlglot renders
    STRING_TO_ARRAY as a SPLIT that PostgreSQL lacks): pass a plain character.
    """
    if _postgres(evaluator):
        return _sql("REGEXP_SPLIT_TO_ARRAY({text}, {separator})", text=text, separator=separator)
    return _sql("STRING_SPLIT({text}, {separator})", text=text, separator=separator)


@macro()
def arg_max(
    evaluator, value: exp.Expr, key: exp.Expr, condition: exp.Expr | None = None
) -> exp.Expr:
    """Aggregate: ``value`` of the row with the largest ``key`` (of the rows meeting ``condition``).

    PostgreSQL has no ARG_MAX: the first element of the values ordered by key, descending.
    """
    where = f" FILTER (WHERE {condition.sql(dialect='duckdb')})" if condition else ""
    if _postgres(evaluator):
        template = "(ARRAY_AGG({value} ORDER BY {key} DESC NULLS LAST)" + where + ")[1]"
    else:
        template = "ARG_MAX({value}, {key})" + where
    return _sql(template, value=value, key=key)
