// Packages the bench loads without published types; run.ts and load.ts cast what they use.
declare module "autocannon";
declare module "workerd";
