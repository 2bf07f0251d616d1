-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "predictionsVersion" INTEGER NOT NULL DEFAULT 0;


