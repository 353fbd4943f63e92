package org.tarflow.cli;
public final class Main { public static void main(String[] a){ System.out.println(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED); } }
