"""The course's training step (docs/course.md; the course's own code, section 5) on a Fashion-MNIST subset, logged to
ResLab with three added lines, each marked `# ResLab`. test/e2e/sdk.test.ts runs it and compares what ResLab stored
with the numbers this script prints; the run is finished by the SDK's exit hook.

    python test/sdk/course_loop.py [train images] [test images] [epochs]
"""

import json
import sys

import reslab  # ResLab
import torch
import torch.nn.functional as F
from reslab_engine.data.mnist import load_mnist
from reslab_engine.models.registry import create_model

TRAIN_IMAGES, TEST_IMAGES, EPOCHS = (int(arg) for arg in sys.argv[1:4]) if len(sys.argv) > 3 else (1000, 500, 4)
BATCH_SIZE = 100


def train_step(model, optimizer, images, labels):
    model.train()
    optimizer.zero_grad()
    outputs = model(images)
    loss = F.cross_entropy(outputs, labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model, images, labels):
    model.eval()
    with torch.no_grad():
        outputs = model(images)
    return F.cross_entropy(outputs, labels).item(), outputs.argmax(dim=1)


torch.manual_seed(0)
train, test, class_names = load_mnist("fashion-mnist", None, False)
train_x, train_y = train.images[:TRAIN_IMAGES].float() / 255, train.labels[:TRAIN_IMAGES]
test_x, test_y = test.images[:TEST_IMAGES].float() / 255, test.labels[:TEST_IMAGES]
model = create_model("resnet8", in_channels=1, num_classes=10, width=8)
# The course's optimiser: SGD, lr 0.01, momentum 0.9.
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
run = reslab.init(experiment="course", config={"lr": 0.01, "momentum": 0.9}, class_names=class_names)  # ResLab

for epoch in range(1, EPOCHS + 1):
    for start in range(0, TRAIN_IMAGES, BATCH_SIZE):
        batch = slice(start, start + BATCH_SIZE)
        train_loss = train_step(model, optimizer, train_x[batch], train_y[batch])
    test_loss, predictions = evaluate(model, test_x, test_y)
    accuracy = (predictions == test_y).sum().item() / len(test_y)
    print(json.dumps({"epoch": epoch, "loss": test_loss, "accuracy": accuracy}), flush=True)
    run.log_epoch(split="test", loss=test_loss, y_true=test_y, y_pred=predictions)  # ResLab
