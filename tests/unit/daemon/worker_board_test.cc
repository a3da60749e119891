// WorkerBoard: what a worker publishes is what its master reads, across
// fork, without a pipe.
#include "daemon/worker_board.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace coyotes {
namespace {

TEST(WorkerBoard, StartsIdle) {
  WorkerBoard b;
  EXPECT_EQ(b.pgid(), 0);
  EXPECT_EQ(b.task_id(), "");
}

TEST(WorkerBoard, ChildPublishesParentReads) {
  WorkerBoard b;
  int go[2], ready[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    b.Publish("task-1", 4242);
    (void)!write(ready[1], "p", 1);
    char c;
    (void)!read(go[0], &c, 1);  // the parent has looked
    b.Clear();
    b.Publish("task-2", 77);
    _exit(0);
  }
  // The child's writes land in the shared page, not in a copy.
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  EXPECT_EQ(b.pgid(), 4242);
  EXPECT_EQ(b.task_id(), "task-1");
  ASSERT_EQ(write(go[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(b.pgid(), 77);
  EXPECT_EQ(b.task_id(), "task-2");
  b.Clear();
  EXPECT_EQ(b.pgid(), 0);
  EXPECT_EQ(b.task_id(), "");
  for (int fd : {go[0], go[1], ready[0], ready[1]}) close(fd);
}

TEST(WorkerBoard, LongIdIsCutAtTheLimit) {
  WorkerBoard b;
  std::string id(kMaxTaskIdLength + 10, 'x');
  b.Publish(id, 5);
  EXPECT_EQ(b.task_id(), id.substr(0, kMaxTaskIdLength));
}

}  // namespace
}  // namespace coyotes
