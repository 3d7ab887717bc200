#!/usr/bin/perl
# The worker: tallies the votes spooled in VOTES_DIR (one file per vote, holding the option),
# every few seconds, or once with --once.
use strict;
use warnings;

my $dir = $ENV{VOTES_DIR} || '/var/lib/votes';
my $once = grep { $_ eq '--once' } @ARGV;

sub tally {
    my %count;
    if (opendir(my $handle, $dir)) {
        for my $name (grep { !/^\./ } readdir $handle) {
            open(my $vote, '<', "$dir/$name") or next;
            my $option = <$vote> // '';
            chomp $option;
            $count{$option}++ if length $option;
            close $vote;
        }
        closedir $handle;
    }
    my $total = 0;
    $total += $_ for values %count;
    my $detail = join(', ', map { "$_=$count{$_}" } sort keys %count);
    print "worker: $total votes" . ($detail ? " ($detail)" : '') . "\n";
}

$| = 1;
$SIG{TERM} = sub { exit 0 };
while (1) {
    tally();
    last if $once;
    sleep 5;
}
