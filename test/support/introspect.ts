// Reads a migrated database's structure straight from the catalog (not through Prisma), normalised
// so that a SQLite and a PostgreSQL database built from the same models compare equal.
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { providerOf, sqlitePath } from "../../src/config";

export interface Structure {
  columns: string[]; // "Table.column type null|not null"
  indexes: string[]; // "name on Table(col, col desc) unique?"
  foreignKeys: string[]; // "Table.col -> Other.col on delete x"
  checks: string[]; // constraint names
}

export async function introspect(url: string): Promise<Structure> {
  return providerOf(url) === "sqlite" ? introspectSqlite(sqlitePath(url)) : introspectPostgres(url);
}

const IGNORED = "_prisma_migrations";

function sqliteType(type: string): string {
  const t = type.toUpperCase();
  if (t.startsWith("INT")) return "int";
  if (t === "REAL") return "float";
  if (t.startsWith("DECIMAL")) return "decimal";
  if (t === "DATETIME") return "datetime";
  if (t === "TEXT") return "text";
  if (t === "BOOLEAN") return "boolean";
  // Prisma's Json: JSON text in SQLite (the column merely says JSONB), jsonb in PostgreSQL.
  if (t === "JSONB") return "json";
  return `?${t}`;
}

function introspectSqlite(file: string): Structure {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ?",
      )
      .all(IGNORED) as Array<{ name: string; sql: string }>;
    const out: Structure = { columns: [], indexes: [], foreignKeys: [], checks: [] };
    for (const { name: table, sql } of tables) {
      for (const c of db.pragma(`table_info("${table}")`) as Array<Record<string, unknown>>) {
        out.columns.push(
          `${table}.${c.name} ${sqliteType(String(c.type))} ${c.notnull || c.pk ? "not null" : "null"}`,
        );
      }
      for (const ix of db.pragma(`index_list("${table}")`) as Array<Record<string, unknown>>) {
        if (ix.origin === "pk") continue;
        const cols = (db.pragma(`index_xinfo("${ix.name}")`) as Array<Record<string, unknown>>)
          .filter((c) => c.key)
          .map((c) => `${c.name}${c.desc ? " desc" : ""}`);
        out.indexes.push(`${ix.name} on ${table}(${cols.join(", ")})${ix.unique ? " unique" : ""}`);
      }
      for (const fk of db.pragma(`foreign_key_list("${table}")`) as Array<Record<string, unknown>>) {
        out.foreignKeys.push(
          `${table}.${fk.from} -> ${fk.table}.${fk.to} on delete ${String(fk.on_delete).toLowerCase()}`,
        );
      }
      for (const m of sql.matchAll(/CONSTRAINT "([^"]+)" CHECK/g)) out.checks.push(m[1]!);
    }
    return sorted(out);
  } finally {
    db.close();
  }
}

function postgresType(type: string): string {
  if (type === "integer") return "int";
  if (type === "double precision") return "float";
  if (type === "numeric") return "decimal";
  if (type.startsWith("timestamp")) return "datetime";
  if (type === "text") return "text";
  if (type === "boolean") return "boolean";
  if (type === "jsonb") return "json";
  return `?${type}`;
}

const ON_DELETE: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

async function introspectPostgres(url: string): Promise<Structure> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Structure = { columns: [], indexes: [], foreignKeys: [], checks: [] };
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name != $1`,
      [IGNORED],
    );
    for (const c of columns.rows) {
      out.columns.push(
        `${c.table_name}.${c.column_name} ${postgresType(c.data_type)} ${c.is_nullable === "YES" ? "null" : "not null"}`,
      );
    }
    const indexes = await client.query(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indoption::int2[] AS options,
              array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace
       WHERE ns.nspname = 'public' AND NOT ix.indisprimary AND t.relname != $1`,
      [IGNORED],
    );
    for (const ix of indexes.rows) {
      const cols = (ix.columns as string[]).map((c, i) => `${c}${(ix.options[i] & 1) === 1 ? " desc" : ""}`);
      out.indexes.push(`${ix.name} on ${ix.table}(${cols.join(", ")})${ix.unique ? " unique" : ""}`);
    }
    const constraints = await client.query(
      `SELECT c.conname, c.contype, c.confdeltype, t.relname AS table, f.relname AS ref,
              (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) AS col,
              (SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = c.confkey[1]) AS refcol
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_class f ON f.oid = c.confrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace
       WHERE ns.nspname = 'public' AND c.contype IN ('f', 'c')`,
    );
    for (const c of constraints.rows) {
      if (c.contype === "c") out.checks.push(c.conname);
      else
        out.foreignKeys.push(
          `${c.table}.${c.col} -> ${c.ref}.${c.refcol} on delete ${ON_DELETE[c.confdeltype]}`,
        );
    }
    return sorted(out);
  } finally {
    await client.end();
  }
}

function sorted(s: Structure): Structure {
  return {
    columns: s.columns.sort(),
    indexes: s.indexes.sort(),
    foreignKeys: s.foreignKeys.sort(),
    checks: s.checks.sort(),
  };
}
