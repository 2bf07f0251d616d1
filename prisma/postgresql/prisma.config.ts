// Prisma CLI configuration for the postgresql schema. Select it with
//   npx prisma <command> --config prisma/postgresql/prisma.config.ts
// (npm run db:generate / db:migration do this for both databases.)
import path from "node:path";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: path.join(__dirname, "schema.prisma"),
  migrations: { path: path.join(__dirname, "migrations") },
  datasource: {
    // Only migrate commands read these; `prisma generate` needs no database.
    url: process.env.DATABASE_URL?.startsWith("postgres")
      ? process.env.DATABASE_URL
      : "postgresql://postgres@127.0.0.1:5432/postgres",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
