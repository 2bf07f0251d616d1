-- CreateTable
CREATE TABLE "Prediction" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "category" TEXT NOT NULL,
    "nextPurchaseAt" DATETIME NOT NULL,
    "windowStart" DATETIME NOT NULL,
    "windowEnd" DATETIME NOT NULL,
    "confidence" REAL NOT NULL,
    "toleranceDays" REAL NOT NULL,
    "intervalDays" REAL NOT NULL,
    "lastPurchasedAt" DATETIME NOT NULL,
    "overdue" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "usualProducts" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "generatedAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "supersededAt" DATETIME,
    "fulfilledAt" DATETIME,
    "errorDays" REAL,
    "inWindow" BOOLEAN,
    CONSTRAINT "Prediction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PopulationPriors" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fingerprint" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Prediction_category_supersededAt_nextPurchaseAt_idx" ON "Prediction"("category", "supersededAt", "nextPurchaseAt");

-- CreateIndex
CREATE INDEX "Prediction_customerId_supersededAt_idx" ON "Prediction"("customerId", "supersededAt");

-- CreateIndex
CREATE INDEX "Prediction_fulfilledAt_idx" ON "Prediction"("fulfilledAt");

-- CreateIndex
CREATE UNIQUE INDEX "PopulationPriors_fingerprint_key" ON "PopulationPriors"("fingerprint");

-- CreateIndex
CREATE INDEX "PopulationPriors_computedAt_idx" ON "PopulationPriors"("computedAt");


