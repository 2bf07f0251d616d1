-- CreateTable
CREATE TABLE "AiBudget" (
    "month" TEXT NOT NULL,
    "committedUsd" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "AiBudget_pkey" PRIMARY KEY ("month")
);


