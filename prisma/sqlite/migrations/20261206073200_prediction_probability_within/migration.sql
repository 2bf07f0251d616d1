-- AlterTable
ALTER TABLE "Prediction" ADD COLUMN "probabilityWithin" JSONB;


