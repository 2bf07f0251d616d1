-- AlterTable
-- (SQLite adds a NOT NULL column with a constant default in place: no need to rebuild the table.)
ALTER TABLE "Customer" ADD COLUMN "predictionsVersion" INTEGER NOT NULL DEFAULT 0;
