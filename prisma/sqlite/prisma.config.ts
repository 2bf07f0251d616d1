// Prisma CLI configuration for the sqlite schema. Select it with
//   npx prisma <command> --config prisma/sqlite/prisma.config.ts
// (npm run db:generate / db:migration do this for both databases.)
import path from "node:path";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: path.join(__dirname, "schema.prisma"),
  migrations: { path: path.join(__dirname, "migrations") },
  datasource: {
    url: process.env.DATABASE_URL?.startsWith("file:")
      ? process.env.DATABASE_URL
      : "file:./data/customer-ai-analytics.db",
  },
});
