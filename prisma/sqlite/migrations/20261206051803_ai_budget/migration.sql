-- CreateTable
CREATE TABLE "AiBudget" (
    "month" TEXT NOT NULL PRIMARY KEY,
    "committedUsd" REAL NOT NULL
);


