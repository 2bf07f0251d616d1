-- CreateTable
CREATE TABLE "BatchRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "priorsFingerprint" TEXT,
    "total" INTEGER NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "cursor" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "resumes" INTEGER NOT NULL DEFAULT 0,
    "pruned" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE INDEX "BatchRun_status_id_idx" ON "BatchRun"("status", "id");


