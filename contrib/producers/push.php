<?php
// Queue tasks for coyotes from PHP with the phpredis extension.
//
//   php push.php
//
// The first item is the original protocol: a shell command and a channel.
// The second runs a program with an argument vector and no shell, so that
// user input in an argument can never be parsed as shell syntax.

$redis = new Redis();
$redis->connect('127.0.0.1', 6379);

$flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;

// A shell command (run with /bin/sh -c) on channel "default".
$taskName = 'ping -c 4 example.org';
$channel = 'default';
$redis->lpush('task:prepare:queue', json_encode([
    'task' => $taskName,
    'chan' => $channel,
    'ts'   => time(),
], $flags));

// A program and its arguments, with a task id of our own (a second item
// with the same id is dropped while this one is queued or running), a
// timeout in seconds and extra environment variables.
$file = $argv[1] ?? '/var/log/syslog';
$id = 'gzip-' . bin2hex(random_bytes(8));
$redis->lpush('task:prepare:queue', json_encode([
    'id'      => $id,
    'task'    => 'compress a log file',
    'command' => 'gzip',
    'args'    => ['--keep', '--force', $file],
    'chan'    => 'maintenance',
    'timeout' => 300,
    'env'     => ['LC_ALL' => 'C'],
    'ts'      => time(),
], $flags));

// The record appears once the router has taken the item.
echo "queued $id; see: redis-cli HGETALL coyotes:task:$id\n";
