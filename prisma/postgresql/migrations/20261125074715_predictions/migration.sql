-- CreateTable
CREATE TABLE "Prediction" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "category" TEXT NOT NULL,
    "nextPurchaseAt" TIMESTAMP(3) NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "windowEnd" TIMESTAMP(3) NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "toleranceDays" DOUBLE PRECISION NOT NULL,
    "intervalDays" DOUBLE PRECISION NOT NULL,
    "lastPurchasedAt" TIMESTAMP(3) NOT NULL,
    "overdue" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "usualProducts" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "generatedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "supersededAt" TIMESTAMP(3),
    "fulfilledAt" TIMESTAMP(3),
    "errorDays" DOUBLE PRECISION,
    "inWindow" BOOLEAN,

    CONSTRAINT "Prediction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PopulationPriors" (
    "id" SERIAL NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PopulationPriors_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;


