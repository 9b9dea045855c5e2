mod archive;
mod audit;
mod crash;
mod records;
mod roster;
