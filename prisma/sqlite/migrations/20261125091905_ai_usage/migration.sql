-- CreateTable
CREATE TABLE "AiUsage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "month" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "inputTokens" INTEGER NOT NULL,
    "outputTokens" INTEGER NOT NULL,
    "costUsd" REAL NOT NULL,
    "outcome" TEXT NOT NULL,
    "latencyMs" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "AiFallback" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "month" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "AiUsage_month_outcome_idx" ON "AiUsage"("month", "outcome");

-- CreateIndex
CREATE UNIQUE INDEX "AiFallback_month_reason_key" ON "AiFallback"("month", "reason");


